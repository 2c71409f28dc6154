"""Stores answer SPARQL over the published dataset; see base.py for the interface."""
