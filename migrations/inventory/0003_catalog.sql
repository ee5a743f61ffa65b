-- What a storefront shows of a product: its category, a description, whether it is offered
-- (an inactive product stays for the orders that name it, out of the catalog's lists), and a
-- picture, kept in its own table so that listing products never reads the pictures' bytes.
ALTER TABLE product ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE product ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE product ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
CREATE INDEX product_by_category ON product (category, sku);

CREATE TABLE product_image (
    sku          TEXT PRIMARY KEY REFERENCES product (sku),
    content_type TEXT NOT NULL,
    etag         TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    updated_at   TEXT NOT NULL
) WITHOUT ROWID;
