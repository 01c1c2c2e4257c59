CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  company text NOT NULL,
  grp text,
  admin_email text NOT NULL UNIQUE
);
CREATE INDEX ON customers (admin_email);
