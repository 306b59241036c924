{{ stage_source('reflacx', 'anomaly_location_ellipses') }}
