"""All SQL lives here, one module per aggregate. Functions take an asyncpg connection (or pool) first."""
