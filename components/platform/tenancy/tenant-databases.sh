# Creates or updates every tenant's role and schemas (tenant-admin.sql), as the administrator of the
# libpq environment (PGHOST, PGUSER, ...). TENANTS: "role:schema:published ..."; each role's password is
# the file $PASSWORD_DIR/<role>. READER_USER: the platform's read-only role.
set -eu
SQL_DIR="${SQL_DIR:-/sql}"
PASSWORD_DIR="${PASSWORD_DIR:-/passwords}"
for spec in $TENANTS; do
  role="${spec%%:*}"
  rest="${spec#*:}"
  schema="${rest%%:*}"
  published="${rest#*:}"
  psql -q -v tenant_role="$role" -v tenant_password="$(cat "$PASSWORD_DIR/$role")" \
    -v tenant_schema="$schema" -v published_schema="$published" \
    -v reader_user="$READER_USER" -v dbname="$PGDATABASE" -f "$SQL_DIR/tenant-admin.sql"
  echo "tenant role $role: schemas $schema and $published are up to date"
done
