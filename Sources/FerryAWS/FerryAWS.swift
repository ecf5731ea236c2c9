// FerryAWS
