-- functionList: the SQL functions applied from functions/, with the checksum of the file each was
-- last applied from. No parameters.
SELECT name, checksum FROM conveyor.functions ORDER BY name;
