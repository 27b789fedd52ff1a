@echo off
rem Dropship Desk in its own desktop window (needs: py -m pip install pywebview). Closing the window stops it.
where py >nul 2>nul
if %errorlevel%==0 (py -m dropship --window %*) else (python -m dropship --window %*)
if errorlevel 1 pause
