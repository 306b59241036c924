{{ mimic_view('mimiciv_hosp', 'procedures_icd') }}
