INSERT INTO book VALUES (1, 'b', '978');
INSERT INTO base_item VALUES (2, 'plain');
