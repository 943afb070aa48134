-- The demo's switches inside the database (see FaultSwitches): a sleep that stops at
-- Statement.cancel(), and a failure. Java functions, in io.github.errgroup.sample.database.H2Functions.
CREATE ALIAS IF NOT EXISTS sample_sleep FOR 'io.github.errgroup.sample.database.H2Functions.sleep';
CREATE ALIAS IF NOT EXISTS sample_fail FOR 'io.github.errgroup.sample.database.H2Functions.fail';
