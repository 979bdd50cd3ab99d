-- The server's id of each cloud job this app has submitted and not yet seen
-- end there. A job cancelled here keeps its row until the server has been
-- told, so a cancel cut off by a crash or a dropped line is sent again at the
-- next start (and the held credits come back) instead of being charged.
CREATE TABLE cloud_jobs_in_flight (
    job_id        INTEGER PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    remote_job_id TEXT    NOT NULL
);
