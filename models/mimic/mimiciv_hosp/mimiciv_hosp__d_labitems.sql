{{ mimic_view('mimiciv_hosp', 'd_labitems') }}
