-- Known failure of other tools: a column whose type changes is used by a
-- view, which is used by another view (and a materialized view with an
-- index). All of them must be dropped first and created again after.
CREATE TABLE accounts (
    id integer PRIMARY KEY,
    owner text NOT NULL,
    balance numeric(10,2) NOT NULL DEFAULT 0,
    note varchar(20)
);
CREATE VIEW account_balances AS
    SELECT id, owner, balance FROM accounts WHERE balance <> 0;
CREATE VIEW rich_accounts AS
    SELECT id, owner FROM account_balances WHERE balance > 1000;
CREATE MATERIALIZED VIEW balance_totals AS
    SELECT owner, sum(balance) AS total FROM account_balances GROUP BY owner;
CREATE UNIQUE INDEX balance_totals_owner ON balance_totals (owner);
GRANT SELECT ON rich_accounts TO spur_reader;
COMMENT ON VIEW rich_accounts IS 'accounts over 1000';
