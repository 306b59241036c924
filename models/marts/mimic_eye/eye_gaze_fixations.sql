{#- EyeGaze fixations.csv after DICOM_ID repair, published columns + row_index. -#}
{{ eye_gaze_repaired('fixations') }}
