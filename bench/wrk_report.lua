-- wrk script used by bench/harness.py.
--
-- Request shape from the environment (set by the harness):
--   BENCH_WRK_METHOD     HTTP method (default GET)
--   BENCH_WRK_BODY_FILE  file whose bytes are the request body (optional)
--   BENCH_WRK_PATHS_FILE file with one request path per line (optional): the
--                        requests of each wrk thread cycle through them in order
-- Headers are passed on wrk's command line (-H).
-- Script argument 1 (after `--`): expected response body length in bytes, or -1.
--
-- Counts every response that is not 2xx (wrk itself only counts >= 400) and every
-- 2xx whose body length differs from the expected one, then prints one line:
--   BENCH_JSON {...}
-- with the summary, the error counts and latency percentiles in microseconds.

local method = os.getenv("BENCH_WRK_METHOD")
if method and method ~= "" then
  wrk.method = method
end

local body_file = os.getenv("BENCH_WRK_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end

local paths_file = os.getenv("BENCH_WRK_PATHS_FILE")
if paths_file and paths_file ~= "" then
  local paths = {}
  for line in io.lines(paths_file) do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  local next_path = 0
  function request()
    next_path = next_path % #paths + 1
    return wrk.format(nil, paths[next_path])
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local expected_len = -1

function init(args)
  non2xx = 0
  badlen = 0
  if args[1] then
    expected_len = tonumber(args[1]) or -1
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif expected_len >= 0 and #body ~= expected_len then
    badlen = badlen + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total, badlen_total = 0, 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + (thread:get("non2xx") or 0)
    badlen_total = badlen_total + (thread:get("badlen") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, ' ..
    '"errors": {"connect": %.0f, "read": %.0f, "write": %.0f, "timeout": %.0f, ' ..
    '"status_ge_400": %.0f, "non_2xx": %.0f, "bad_length": %.0f}, ' ..
    '"latency_us": {"min": %.1f, "mean": %.1f, "stdev": %.1f, "max": %.1f, ' ..
    '"p50": %.1f, "p75": %.1f, "p90": %.1f, "p95": %.1f, "p99": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.timeout, e.status, non2xx_total, badlen_total,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99)))
end
