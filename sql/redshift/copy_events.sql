-- Stage the log files. Their keys are camelCase and 'auto' is
-- case-sensitive, so the jsonpaths file maps them, in the order of the
-- column list. ts is epoch milliseconds: TIMEFORMAT 'epochmillisecs' turns it
-- into the TIMESTAMP that the shared transforms read, as the Postgres stager
-- does. Values in {{…}} are validated and quoted by the job; the source is the
-- prefix, or a manifest of exactly the objects the job listed, followed by
-- MANIFEST (SPARKIFY_STAGING_URI).
COPY staging_events (artist, auth, first_name, gender, item_in_session, last_name,
                     length, level, location, method, page, registration,
                     session_id, song, status, ts, user_agent, user_id)
FROM {{LOG_DATA}}
IAM_ROLE {{IAM_ROLE_ARN}}
REGION {{SOURCE_REGION}}
FORMAT AS JSON {{LOG_JSONPATH}}
TIMEFORMAT 'epochmillisecs'
MAXERROR {{MAXERROR}}
COMPUPDATE OFF
STATUPDATE OFF;
