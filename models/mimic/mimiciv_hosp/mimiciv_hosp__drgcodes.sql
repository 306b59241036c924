{{ mimic_view('mimiciv_hosp', 'drgcodes') }}
