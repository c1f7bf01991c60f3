CREATE TABLE auction (id BIGINT, seller BIGINT, category BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE person (id BIGINT, name STRING, state STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
SET 'parallelism.default' = '2';
EXPLAIN SELECT P.name, P.state, A.id
FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA');
