@echo off
rem Dropship Desk: start the app; the default browser opens the login page. Close this window to stop.
where py >nul 2>nul
if %errorlevel%==0 (py -m dropship %*) else (python -m dropship %*)
if errorlevel 1 pause
