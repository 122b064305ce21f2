"""Counter hardware behind small interfaces: ID-card reader, ESC/POS printers, scanners,
barcode gun. One thread owns device I/O (``worker.py``); every driver has a fake."""
