"""Repair CRM: a small CRM for repair businesses, on aiohttp, asyncpg and hand-written SQL."""
