{{ mimic_view('mimiciv_hosp', 'transfers') }}
