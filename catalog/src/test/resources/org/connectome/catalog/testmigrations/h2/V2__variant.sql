/* H2 variant */
CREATE TABLE t_variant (dialect_name VARCHAR(20));
INSERT INTO t_variant VALUES ('h2');
