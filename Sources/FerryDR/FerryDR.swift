// FerryDR
