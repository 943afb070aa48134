INSERT INTO inventory (product_id, warehouse, quantity) VALUES
	('1', 'lyon', 12),
	('1', 'rotterdam', 3),
	('7', 'rotterdam', 40),
	('42', 'lyon', 5),
	('42', 'rotterdam', 17),
	('42', 'warsaw', 0);
