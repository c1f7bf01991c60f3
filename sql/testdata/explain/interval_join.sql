CREATE TABLE orders (id BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE shipments (order_id BIGINT, ship_ts TIMESTAMP(3), WATERMARK FOR ship_ts AS ship_ts - INTERVAL '5' SECOND) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
EXPLAIN SELECT o.id, o.ts, s.ship_ts
FROM orders o LEFT JOIN shipments s ON o.id = s.order_id AND s.ship_ts BETWEEN o.ts AND o.ts + INTERVAL '4' HOUR;
