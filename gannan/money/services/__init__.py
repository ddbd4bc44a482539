"""Business actions of money: commission, the ledger, settlement, payouts."""
