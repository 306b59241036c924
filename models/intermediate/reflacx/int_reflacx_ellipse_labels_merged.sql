{#- Ellipse-level REFLACX labels merged to the 21 targets (boolean OR), long form. -#}
{{ reflacx_labels_merged(ref('stg_reflacx__anomaly_location_ellipses'), ['id', 'ellipse_index'], 'ellipse') }}
