"""Kuzet: the digital platform of a National Preventive Mechanism under OPCAT."""
