"""The volunteer desk: waste-sorting questions the bot could not answer, put to resident volunteers.

- volunteers.py: invite codes, joining and leaving;
- questions.py: a resident's question goes to the volunteers of their community (or all), the first
  answer goes back to the resident, later answers are votes; stewards approve;
- learning.py: learned items (volunteers' agreement or a steward's word) and their history;
- matching.py: the `sorting` matcher with the learned items, cached until they change;
- sweep.py: the job that escalates unanswered questions and, later, sends the bot's best guess;
- erasure.py: what a resident's erasure removes from the desk.

Kept light on purpose: import the submodules (erasure.py is imported by cityplatform.residents).
"""
