CREATE TABLE auction (id BIGINT, seller BIGINT, category BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE person (id BIGINT, name STRING, state STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
SET 'table.exec.state.ttl' = '1 h';
EXPLAIN SELECT P.state, COUNT(A.id) AS auctions
FROM person AS P LEFT JOIN auction AS A ON A.seller = P.id AND A.category <> P.id AND A.category > 3 AND P.state <> 'CA'
GROUP BY P.state;
