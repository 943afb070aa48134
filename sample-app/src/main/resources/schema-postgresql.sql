-- The demo's switches inside the database (see FaultSwitches): pg_sleep, which a cancel request stops
-- (SQLState 57014), and a failure.
CREATE OR REPLACE FUNCTION sample_sleep(millis integer) RETURNS integer LANGUAGE plpgsql VOLATILE
	AS 'BEGIN PERFORM pg_sleep(millis / 1000.0); RETURN millis; END';
CREATE OR REPLACE FUNCTION sample_fail(service varchar) RETURNS integer LANGUAGE plpgsql VOLATILE
	AS 'BEGIN RAISE EXCEPTION ''% failed on purpose'', service; END';
