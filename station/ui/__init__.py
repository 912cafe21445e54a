"""The desktop app (ttkbootstrap).  Only this package imports Tk."""
