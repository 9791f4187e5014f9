CREATE TABLE t_variant (dialect_name TEXT);
INSERT INTO t_variant VALUES ($$postgresql$$);
