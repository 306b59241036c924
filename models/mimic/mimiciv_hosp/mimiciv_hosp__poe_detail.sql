{{ mimic_view('mimiciv_hosp', 'poe_detail') }}
