{#- REFLACX case with the 21 merged labels as columns under their exact names. -#}
{{ reflacx_labels_pivoted(ref('reflacx_labels_long'), ['id', 'dicom_id', 'subject_id', 'phase'], 'case') }}
