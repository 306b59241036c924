{{ mimic_view('mimiciv_hosp', 'omr') }}
