-- EXECUTE hidden; DEALLOCATE hidden
PREPARE a AS SELECT 1; -- trailing
