# Build the Windows folder bundle (run in a Python 3.11 venv on Windows).
python -m pip install -e . pyinstaller
pyinstaller --noconfirm installer/clerk.spec
Write-Host "Bundle in dist/WindowClerk — copy it to the window PC and run clerk.exe (commands: clerk-cli.exe)"
