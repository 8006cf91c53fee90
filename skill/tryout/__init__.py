"""`mat-coach try`: the skill on your own machine, with a local stand-in for the Echo and Alexa.

Nothing here is part of the production endpoint or the Lambda zip: `mat-coach serve` never
imports it, and the zip build leaves the package out.
"""
