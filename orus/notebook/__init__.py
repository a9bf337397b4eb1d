"""Notebook support: orus.run with Python values in and out, the %%orus magic.
"""
