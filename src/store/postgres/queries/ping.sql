-- ping: checks the connection. No parameters.
SELECT 1 AS ok;
