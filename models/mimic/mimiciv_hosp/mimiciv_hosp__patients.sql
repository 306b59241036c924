{{ mimic_view('mimiciv_hosp', 'patients') }}
