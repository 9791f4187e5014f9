-- a comment; with a semicolon
CREATE TABLE t_first (id INTEGER PRIMARY KEY, note VARCHAR(100));
INSERT INTO t_first (id, note) VALUES (1, 'semi;colon and ''quote''');
