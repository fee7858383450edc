"""The benchmark: units x tasks x seeds -> SQLite store -> leaderboard.

Data flows one way: spec -> unit -> model -> task -> run -> store -> report.
"""
