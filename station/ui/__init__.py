"""The desktop app (ttkbootstrap): setup, login, the main window and its screens.

Only this package imports Tk.  Screens see the app through ``context.AppContext``;
store, crypto, PDF and image work runs on the workers (``worker.Dispatcher``), never
on the Tk thread, and reaches data only through the services of the floors below
(never store models, the database or HTTP).
"""
