-- Portable between H2 (the embedded default) and PostgreSQL (the postgres profile). The demo's
-- functions, sample_sleep and sample_fail, are per platform: schema-h2.sql, schema-postgresql.sql.
DROP TABLE IF EXISTS inventory;
CREATE TABLE inventory (
	product_id VARCHAR(64) NOT NULL,
	warehouse VARCHAR(64) NOT NULL,
	quantity INTEGER NOT NULL,
	PRIMARY KEY (product_id, warehouse)
);
