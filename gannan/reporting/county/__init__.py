"""What a county commerce office (县级商务部门) sees: its county's metrics and the
applicants of the bureau's register in its county.  The same views serve the bureau
and platform admins for any county; the Policy keeps an office to its own county."""
