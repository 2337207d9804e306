"""The settings test: `runner.run_checks` yields StepEvents as each step happens, then one Verdict.

Import from the submodules; this package stays empty so that the light ones (events, transcript) load without the
network machinery.
"""
