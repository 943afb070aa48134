package io.github.errgroup.sample.inventory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * A product's stock, read from the database with the auto-configured {@link JdbcClient}. Nothing here
 * knows about groups: inside a group task the starter cancels the statement on the database when the
 * group is cancelled (S30), and gives it the time left before the group's deadline (S31).
 */
@Repository
public class InventoryRepository {

	// An aggregate: one row for every product, known to the warehouses or not.
	private static final String STOCK = """
			SELECT COUNT(*) AS warehouses, COALESCE(SUM(quantity), 0) AS in_stock
			FROM inventory
			WHERE product_id = :id""";

	private final JdbcClient jdbc;

	public InventoryRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * A product's stock over all warehouses.
	 * @param productId the product
	 * @return its stock, zero in zero warehouses if none holds it
	 */
	public Stock stock(String productId) {
		return this.jdbc.sql(STOCK)
			.param("id", productId)
			.query((row, n) -> new Stock(productId, row.getLong("in_stock"), row.getInt("warehouses")))
			.single();
	}

	/**
	 * A product's stock.
	 * @param productId the product
	 * @param inStock units in stock over all warehouses
	 * @param warehouses how many warehouses hold it
	 */
	public record Stock(String productId, long inStock, int warehouses) {
	}

}
