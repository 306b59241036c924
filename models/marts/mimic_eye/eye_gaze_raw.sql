{#- EyeGaze eye_gaze.csv (raw gaze) after DICOM_ID repair, published columns + row_index. -#}
{{ eye_gaze_repaired('eye_gaze') }}
