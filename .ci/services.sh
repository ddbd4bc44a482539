#!/usr/bin/env bash
# Provision and run the real services the test suite uses, on loopback only:
#   PostgreSQL 127.0.0.1:5432 (Debian package), Redis 127.0.0.1:6379 (Debian package),
#   Elasticsearch 127.0.0.1:9200 (integ-test-zip from Maven Central),
#   stripe-mock 127.0.0.1:12111 (go install, pinned),
#   an S3-compatible store 127.0.0.1:9000 (moto's server, pip-installed, pinned, into
#   its own virtualenv in the cache: the photo storage's S3 backend is tested on it).
# Also the Debian packages the suite needs beside them: fonts-wqy-microhei (the CJK
# font PDFs and pages embed or show), poppler-utils and zbar-tools (pdftoppm and zbarimg
# read the PDFs), chromium and chromium-driver (tests/browser).
#
# Usage: bash .ci/services.sh [start|stop|status]
#   start (default): install what is missing, start what is down, wait until healthy,
#                    then print `export NAME=value` lines on stdout, e.g.
#                    eval "$(bash .ci/services.sh start)"
#   stop:            stop all five.
#   status:          print each service up/down (exit 1 if any is down).
# All progress messages go to stderr. Idempotent: a service already up is left alone.
# Downloads and unpacked files are kept in $GANNAN_SERVICES_CACHE
# (default /var/cache/gannan-ci), outside the repository.
set -euo pipefail

ES_VERSION="9.2.4"              # integ-test-zip versions on Maven Central are sparse; 9.2.4 resolves
STRIPE_MOCK_VERSION="v0.203.0"  # latest tag on the Go module proxy
MOTO_VERSION="5.2.5"            # moto[server] from PyPI

CACHE_DIR="${GANNAN_SERVICES_CACHE:-/var/cache/gannan-ci}"
ES_USER="elastic"
ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
ES_ZIP="${CACHE_DIR}/downloads/elasticsearch-${ES_VERSION}.zip"
ES_HOME="${CACHE_DIR}/elasticsearch-${ES_VERSION}"
ES_PIDFILE="${ES_HOME}/elasticsearch.pid"
ES_URL="http://127.0.0.1:9200"
ES_START_LOG="${CACHE_DIR}/log/elasticsearch-start.log"
ES_TIMEOUT=180
STRIPE_DIR="${CACHE_DIR}/stripe-mock-${STRIPE_MOCK_VERSION}"
STRIPE_BIN="${STRIPE_DIR}/stripe-mock"
STRIPE_PIDFILE="${CACHE_DIR}/run/stripe-mock.pid"
STRIPE_LOG="${CACHE_DIR}/log/stripe-mock.log"
STRIPE_URL="http://127.0.0.1:12111"
MOTO_VENV="${CACHE_DIR}/moto-${MOTO_VERSION}"
MOTO_BIN="${MOTO_VENV}/bin/moto_server"
MOTO_PIDFILE="${CACHE_DIR}/run/moto.pid"
MOTO_LOG="${CACHE_DIR}/log/moto.log"
S3_PORT=9000
S3_URL="http://127.0.0.1:${S3_PORT}"
PG_PORT=5432
MVN_DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

export DEBIAN_FRONTEND=noninteractive
[ -d /usr/local/go/bin ] && PATH="${PATH}:/usr/local/go/bin"
export PATH

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- helpers

APT_UPDATED=0
apt_install() {
    # apt_install PKG...: install the given Debian packages; `apt-get update` at most once.
    local policy_created=0
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update"
        apt-get update -qq >&2 || die "apt-get update failed"
        APT_UPDATED=1
    fi
    # Keep package postinst scripts from starting services themselves (no init system here;
    # we start everything ourselves with our own options).
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_created=1
    fi
    log "apt-get install -y $*"
    if ! apt-get install -y -qq --no-install-recommends "$@" >&2; then
        [ "$policy_created" = 1 ] && rm -f /usr/sbin/policy-rc.d
        die "apt-get install $* failed"
    fi
    [ "$policy_created" = 1 ] && rm -f /usr/sbin/policy-rc.d
    return 0
}

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        pkg_installed "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
}

# wait_for TIMEOUT DESCRIPTION COMMAND...: poll COMMAND every second until it succeeds.
wait_for() {
    local timeout="$1" what="$2" start
    shift 2
    start=$SECONDS
    until "$@" >/dev/null 2>&1; do
        if [ $((SECONDS - start)) -ge "$timeout" ]; then
            log "timed out after ${timeout}s waiting for ${what}"
            return 1
        fi
        sleep 1
    done
    log "${what}: ok after $((SECONDS - start))s"
}

pid_alive() {
    # pid_alive PIDFILE: the pid in PIDFILE is running and is one of ours (its command line
    # mentions the cache dir), so a stale pid file whose pid was reused is not trusted.
    local pidfile="$1" pid
    [ -s "$pidfile" ] || return 1
    pid="$(cat "$pidfile")"
    case "$pid" in '' | *[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -qF "$CACHE_DIR"
}

# stop_pidfile NAME PIDFILE: TERM, wait up to 30 s, then KILL.
stop_pidfile() {
    local name="$1" pidfile="$2" pid
    if ! pid_alive "$pidfile"; then
        rm -f "$pidfile"
        log "${name}: not running"
        return 0
    fi
    pid="$(cat "$pidfile")"
    log "${name}: stopping pid ${pid}"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "${name}: still running after 30s, sending KILL"
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

# start_daemon NAME PIDFILE LOG URL UP_FUNCTION INSTALL_FUNCTION COMMAND...: unless
# UP_FUNCTION says it is up already, install it and run COMMAND in the background (unless
# the process of PIDFILE is still there), then wait up to 60 s for UP_FUNCTION.
start_daemon() {
    local name="$1" pidfile="$2" logfile="$3" url="$4" up="$5" install="$6"
    shift 6
    if "$up"; then
        log "${name}: already up on ${url}"
        return 0
    fi
    "$install"
    mkdir -p "${CACHE_DIR}/run" "${CACHE_DIR}/log"
    if pid_alive "$pidfile"; then
        log "${name}: process $(cat "$pidfile") exists, waiting for it"
    else
        log "${name}: starting $(basename "$1") on ${url}"
        (
            cd /
            nohup "$@" </dev/null >"$logfile" 2>&1 &
            echo $! >"$pidfile"
        )
        sleep 1
        if ! pid_alive "$pidfile"; then
            tail -n 30 "$logfile" >&2 2>/dev/null || true
            die "${name} exited right after starting (log: ${logfile})"
        fi
    fi
    if ! wait_for 60 "${name} on ${url}" "$up"; then
        tail -n 30 "$logfile" >&2 2>/dev/null || true
        stop_pidfile "$name" "$pidfile"
        die "${name} did not answer on ${url}"
    fi
}

# ---------------------------------------------------------------- PostgreSQL

pg_version() {
    # Highest installed server major version.
    local v
    # shellcheck disable=SC2012
    v="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)"
    [ -n "$v" ] && [ -x "/usr/lib/postgresql/${v}/bin/postgres" ] || return 1
    printf '%s\n' "$v"
}

pg_up() {
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
}

pg_sql() {
    # Run SQL as the postgres superuser over the local socket.
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@")
}

pg_start() {
    local ver port
    if ! pkg_installed postgresql || ! command -v pg_ctlcluster >/dev/null 2>&1; then
        apt_install postgresql
    fi
    ver="$(pg_version)" || die "PostgreSQL: no server binaries under /usr/lib/postgresql"
    if ! pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main"' | grep -q .; then
        log "PostgreSQL: creating cluster ${ver}/main on port ${PG_PORT}"
        pg_createcluster -p "$PG_PORT" "$ver" main >&2 || die "PostgreSQL: pg_createcluster failed"
    fi
    port="$(pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $3}')"
    [ "$port" = "$PG_PORT" ] || die "PostgreSQL: cluster ${ver}/main is configured for port ${port}, expected ${PG_PORT}"

    if pg_up; then
        log "PostgreSQL ${ver}: already up on 127.0.0.1:${PG_PORT}"
    else
        log "PostgreSQL ${ver}: starting cluster main"
        if ! pg_ctlcluster "$ver" main start >&2; then
            tail -n 30 "/var/log/postgresql/postgresql-${ver}-main.log" >&2 2>/dev/null || true
            die "PostgreSQL: pg_ctlcluster ${ver} main start failed"
        fi
        wait_for 60 "PostgreSQL on 127.0.0.1:${PG_PORT}" pg_up \
            || die "PostgreSQL did not accept connections on 127.0.0.1:${PG_PORT}"
    fi

    # Role and databases (idempotent).
    if [ "$(pg_sql -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'gannan'")" != "1" ]; then
        log "PostgreSQL: creating role gannan"
        pg_sql -c "CREATE ROLE gannan LOGIN CREATEDB PASSWORD 'gannan'" || die "PostgreSQL: CREATE ROLE failed"
    else
        pg_sql -c "ALTER ROLE gannan LOGIN CREATEDB PASSWORD 'gannan'" || die "PostgreSQL: ALTER ROLE failed"
    fi
    local db
    for db in gannan gannan_test; do
        if [ "$(pg_sql -tAc "SELECT 1 FROM pg_database WHERE datname = '${db}'")" != "1" ]; then
            log "PostgreSQL: creating database ${db}"
            pg_sql -c "CREATE DATABASE ${db} OWNER gannan" || die "PostgreSQL: CREATE DATABASE ${db} failed"
        fi
    done
    PGPASSWORD=gannan psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U gannan -d gannan_test -tAc 'SELECT 1' \
        | grep -qx 1 || die "PostgreSQL: cannot log in as gannan over TCP"
    log "PostgreSQL: role gannan and databases gannan, gannan_test ready"
}

pg_stop() {
    local ver
    ver="$(pg_version 2>/dev/null)" || { log "PostgreSQL: not installed"; return 0; }
    if pg_lsclusters -h 2>/dev/null | awk -v v="$ver" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
        log "PostgreSQL ${ver}: stopping"
        pg_ctlcluster "$ver" main stop -m fast >&2 || die "PostgreSQL: stop failed"
    else
        log "PostgreSQL: not running"
    fi
}

# ---------------------------------------------------------------- Redis

redis_up() {
    [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]
}

redis_start() {
    ensure_packages redis-server redis-tools
    if redis_up; then
        log "Redis: already up on 127.0.0.1:6379"
        return 0
    fi
    mkdir -p "${CACHE_DIR}/log" "${CACHE_DIR}/run"
    log "Redis: starting"
    (cd / && redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
        --pidfile "${CACHE_DIR}/run/redis.pid" --logfile "${CACHE_DIR}/log/redis.log" >&2) \
        || die "Redis: redis-server failed to start"
    wait_for 30 "Redis on 127.0.0.1:6379" redis_up || {
        tail -n 30 "${CACHE_DIR}/log/redis.log" >&2 2>/dev/null || true
        die "Redis did not answer PING on 127.0.0.1:6379"
    }
}

redis_stop() {
    if redis_up; then
        log "Redis: stopping"
        redis-cli -h 127.0.0.1 -p 6379 shutdown nosave >/dev/null 2>&1 || true
        wait_for 15 "Redis shutdown" bash -c '! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1' \
            || die "Redis: did not stop"
    else
        log "Redis: not running"
    fi
}

# ---------------------------------------------------------------- Elasticsearch

find_java21() {
    # First JDK under /usr/lib/jvm whose major version is >= 21.
    local d major
    for d in /usr/lib/jvm/*/; do
        d="${d%/}"
        [ -x "${d}/bin/java" ] || continue
        major="$("${d}/bin/java" -XshowSettings:properties -version 2>&1 \
            | awk -F= '/java.specification.version/ {gsub(/ /, "", $2); print $2; exit}')"
        major="${major#1.}"
        case "$major" in '' | *[!0-9]*) continue ;; esac
        if [ "$major" -ge 21 ]; then
            printf '%s\n' "$d"
            return 0
        fi
    done
    return 1
}

es_health() {
    curl -sf --max-time 5 "${ES_URL}/_cluster/health" 2>/dev/null
}

es_up() {
    es_health | grep -Eq '"status":"(green|yellow)"'
}

es_fetch() {
    [ -s "$ES_ZIP" ] && return 0
    command -v mvn >/dev/null 2>&1 || apt_install maven
    mkdir -p "${CACHE_DIR}/downloads"
    log "Elasticsearch: fetching ${ES_ARTIFACT} with Maven"
    # Run from the cache dir so no project pom is picked up.
    if ! (cd "${CACHE_DIR}/downloads" && mvn -B -q "${MVN_DEP_PLUGIN}:copy" \
            -Dartifact="$ES_ARTIFACT" -DoutputDirectory="${CACHE_DIR}/downloads" >&2); then
        die "Elasticsearch: Maven could not fetch ${ES_ARTIFACT} from Maven Central"
    fi
    [ -s "$ES_ZIP" ] || die "Elasticsearch: ${ES_ZIP} missing after Maven copy"
}

es_install() {
    if ! id -u "$ES_USER" >/dev/null 2>&1; then
        log "Elasticsearch: creating system user ${ES_USER}"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$ES_USER" || die "cannot create user ${ES_USER}"
    fi
    if [ ! -x "${ES_HOME}/bin/elasticsearch" ]; then
        es_fetch
        command -v unzip >/dev/null 2>&1 || apt_install unzip
        log "Elasticsearch: unpacking into ${ES_HOME}"
        rm -rf "${ES_HOME}" "${ES_HOME}.tmp"
        mkdir -p "${ES_HOME}.tmp"
        unzip -q "$ES_ZIP" -d "${ES_HOME}.tmp" || die "Elasticsearch: unzip failed"
        mv "${ES_HOME}.tmp/elasticsearch-${ES_VERSION}" "$ES_HOME"
        rm -rf "${ES_HOME}.tmp"
    fi
    chown -R "${ES_USER}:${ES_USER}" "$ES_HOME"
    chmod 755 "$CACHE_DIR"
}

es_start() {
    local java_home
    if es_up; then
        log "Elasticsearch: already up on ${ES_URL}"
        return 0
    fi
    if curl -s --max-time 5 -o /dev/null "${ES_URL}/" 2>/dev/null && ! pid_alive "$ES_PIDFILE"; then
        die "Elasticsearch: something that is not our node answers on ${ES_URL} but is not healthy"
    fi
    java_home="$(find_java21)" || die "Elasticsearch ${ES_VERSION} needs Java 21+, none found under /usr/lib/jvm"
    es_install
    if pid_alive "$ES_PIDFILE"; then
        log "Elasticsearch: process $(cat "$ES_PIDFILE") exists, waiting for it to become healthy"
    else
        rm -f "$ES_PIDFILE"
        mkdir -p "${CACHE_DIR}/log"
        log "Elasticsearch ${ES_VERSION}: starting as ${ES_USER} with ES_JAVA_HOME=${java_home}"
        # Modules in the integ-test-zip: transport-netty4, x-pack-core, x-pack-security, apm
        # (no ML, no analysis-common), so only settings of those may be passed.
        if ! (cd "$ES_HOME" && runuser -u "$ES_USER" -- env \
                ES_JAVA_HOME="$java_home" \
                ES_JAVA_OPTS="-Xms512m -Xmx512m" \
                ES_PATH_CONF="${ES_HOME}/config" \
                "${ES_HOME}/bin/elasticsearch" -d -p "$ES_PIDFILE" \
                -Ecluster.name=gannan-ci \
                -Enode.name=gannan-ci \
                -Ediscovery.type=single-node \
                -Enetwork.host=127.0.0.1 \
                -Ehttp.port=9200 \
                -Etransport.port=9300-9399 \
                -Expack.security.enabled=false \
                -Ecluster.routing.allocation.disk.threshold_enabled=true \
                -Ecluster.routing.allocation.disk.watermark.low=1b \
                -Ecluster.routing.allocation.disk.watermark.high=1b \
                -Ecluster.routing.allocation.disk.watermark.flood_stage=1b \
                -Eaction.destructive_requires_name=false \
                </dev/null >"$ES_START_LOG" 2>&1); then
            tail -n 40 "$ES_START_LOG" >&2 2>/dev/null || true
            die "Elasticsearch: bin/elasticsearch -d failed (full output: ${ES_START_LOG})"
        fi
    fi
    if ! wait_for "$ES_TIMEOUT" "Elasticsearch on ${ES_URL} (yellow/green)" es_up; then
        tail -n 40 "${ES_HOME}/logs/gannan-ci.log" >&2 2>/dev/null || true
        stop_pidfile Elasticsearch "$ES_PIDFILE"
        die "Elasticsearch did not reach yellow/green within ${ES_TIMEOUT}s (log: ${ES_HOME}/logs/gannan-ci.log)"
    fi
}

es_stop() {
    stop_pidfile Elasticsearch "$ES_PIDFILE"
}

# ---------------------------------------------------------------- stripe-mock

stripe_up() {
    curl -sf --max-time 5 -H 'Authorization: Bearer sk_test_123' "${STRIPE_URL}/v1/customers" 2>/dev/null \
        | grep -q '"object"'
}

stripe_install() {
    [ -x "$STRIPE_BIN" ] && return 0
    command -v go >/dev/null 2>&1 || die "stripe-mock: the go toolchain is not on PATH"
    mkdir -p "$STRIPE_DIR"
    log "stripe-mock: go install github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}"
    (cd "$STRIPE_DIR" && GOBIN="$STRIPE_DIR" GOFLAGS=-buildvcs=false \
        go install "github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}" >&2) \
        || die "stripe-mock: go install failed"
    [ -x "$STRIPE_BIN" ] || die "stripe-mock: binary missing after go install"
}

stripe_start() {
    start_daemon "stripe-mock ${STRIPE_MOCK_VERSION}" "$STRIPE_PIDFILE" "$STRIPE_LOG" \
        "$STRIPE_URL" stripe_up stripe_install \
        "$STRIPE_BIN" -http-addr 127.0.0.1:12111 -https-addr 127.0.0.1:12112
}

stripe_stop() {
    stop_pidfile stripe-mock "$STRIPE_PIDFILE"
}

# ---------------------------------------------------------------- S3 (moto server)

s3_up() {
    # Any HTTP answer to a bucket listing (moto answers 200 whatever the credentials).
    curl -s --max-time 5 -o /dev/null -w '%{http_code}' "${S3_URL}/" 2>/dev/null | grep -q '^[2-4]'
}

s3_install() {
    [ -x "$MOTO_BIN" ] && return 0
    command -v python3 >/dev/null 2>&1 || apt_install python3
    python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
    log "S3: pip install moto[server]==${MOTO_VERSION} into ${MOTO_VENV}"
    rm -rf "$MOTO_VENV"
    python3 -m venv "$MOTO_VENV" >&2 || die "S3: python3 -m venv failed"
    "${MOTO_VENV}/bin/pip" install --quiet "moto[server]==${MOTO_VERSION}" >&2 \
        || die "S3: pip install moto[server] failed"
    [ -x "$MOTO_BIN" ] || die "S3: moto_server missing after pip install"
}

s3_start() {
    start_daemon "S3 (moto ${MOTO_VERSION})" "$MOTO_PIDFILE" "$MOTO_LOG" "$S3_URL" s3_up \
        s3_install "$MOTO_BIN" -H 127.0.0.1 -p "$S3_PORT"
}

s3_stop() {
    stop_pidfile "S3 (moto)" "$MOTO_PIDFILE"
}

# ---------------------------------------------------------------- commands

print_exports() {
    cat <<'EOF'
export DATABASE_URL_PG=postgresql+psycopg://gannan:gannan@127.0.0.1:5432/gannan_test
export CELERY_BROKER_URL=redis://127.0.0.1:6379/0
export CELERY_RESULT_BACKEND=redis://127.0.0.1:6379/1
export ELASTICSEARCH_URL=http://127.0.0.1:9200
export STRIPE_API_BASE=http://127.0.0.1:12111
export STRIPE_API_KEY=sk_test_gannan
export S3_ENDPOINT_URL=http://127.0.0.1:9000
EOF
}

with_lock() {
    # Re-run this script under an exclusive lock so two start/stop runs never interleave.
    # flock -o: the lock fd is not passed on, so the daemons we start do not keep holding it.
    [ -n "${GANNAN_SERVICES_LOCKED:-}" ] && return 0
    mkdir -p "$CACHE_DIR"
    local rc=0
    GANNAN_SERVICES_LOCKED=1 flock -o -w 600 -E 75 "${CACHE_DIR}/.lock" \
        bash "${BASH_SOURCE[0]}" "$@" || rc=$?
    [ "$rc" = 75 ] && die "another services.sh has held ${CACHE_DIR}/.lock for 600s"
    exit "$rc"
}

cmd_start() {
    [ "$(id -u)" = 0 ] || die "must run as root (apt-get, runuser, pg_ctlcluster)"
    with_lock start
    ensure_packages curl ca-certificates
    ensure_packages fonts-wqy-microhei poppler-utils zbar-tools chromium chromium-driver
    local t0=$SECONDS
    pg_start
    redis_start
    es_start
    stripe_start
    s3_start
    log "all services up ($((SECONDS - t0))s)"
    print_exports
}

cmd_stop() {
    with_lock stop
    s3_stop
    stripe_stop
    es_stop
    redis_stop
    pg_stop
    log "all services stopped"
}

cmd_status() {
    local rc=0
    report() {
        if "$2"; then
            printf '%-14s up    %s\n' "$1" "$3"
        else
            printf '%-14s down  %s\n' "$1" "$3"
            rc=1
        fi
    }
    report postgresql pg_up "127.0.0.1:${PG_PORT}"
    report redis redis_up "127.0.0.1:6379"
    report elasticsearch es_up "$ES_URL"
    report stripe-mock stripe_up "$STRIPE_URL"
    report s3-moto s3_up "$S3_URL"
    return "$rc"
}

case "${1:-start}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    -h | --help | help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "usage: $0 [start|stop|status]" ;;
esac
