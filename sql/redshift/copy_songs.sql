-- Stage the song files: Redshift reads every object under the prefix itself,
-- in parallel. The files' keys equal staging_songs' column names, so
-- 'auto' maps them. Values in {{…}} are validated and quoted by the job; the source is the
-- prefix, or a manifest of exactly the objects the job listed, followed by
-- MANIFEST (SPARKIFY_STAGING_URI).
COPY staging_songs
FROM {{SONG_DATA}}
IAM_ROLE {{IAM_ROLE_ARN}}
REGION {{SOURCE_REGION}}
FORMAT AS JSON 'auto'
MAXERROR {{MAXERROR}}
COMPUPDATE OFF
STATUPDATE OFF;
