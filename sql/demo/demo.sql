-- Demo data: a realistic shop filled in a few set-based statements, for trying and benchmarking.

-- name: demo_has_data$
-- Whether any user, client or ticket exists (demo data refuses to mix with real data).
SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM clients)
    OR EXISTS (SELECT 1 FROM tickets);

-- name: demo_clear!
-- Delete every row of every table, restarting the ids (only when forced).
TRUNCATE users, clients, tickets, ticket_events, ticket_comments, deleted_tickets,
    report_daily_counts, ticket_milestones, idempotency_keys RESTART IDENTITY CASCADE;

-- name: demo_set_aside_indexes!
-- Drop the secondary indexes and constraints of the filled tables for a fast bulk load, keeping their definitions.
CREATE TEMP TABLE demo_set_aside ON COMMIT DROP AS
SELECT CASE con.contype WHEN 'u' THEN 2 ELSE 3 END AS restore_order,
       format('ALTER TABLE %s DROP CONSTRAINT %I', con.conrelid::regclass, con.conname) AS drop_sql,
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', con.conrelid::regclass, con.conname,
              pg_get_constraintdef(con.oid)) AS restore_sql
FROM pg_constraint AS con
WHERE con.conrelid IN ('clients'::regclass, 'tickets'::regclass, 'ticket_events'::regclass,
                       'ticket_comments'::regclass)
  AND con.contype IN ('f', 'u')
UNION ALL
SELECT 1, format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
FROM pg_index AS i
WHERE i.indrelid IN ('clients'::regclass, 'tickets'::regclass, 'ticket_events'::regclass,
                       'ticket_comments'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS con WHERE con.conindid = i.indexrelid)
  -- Kept: the reporting triggers (migration 0009) look up each ticket's earlier events through
  -- it once the events are in; without it each lookup reads the whole table, for every ticket.
  AND i.indexrelid <> 'ticket_events_ticket_idx'::regclass
UNION ALL
-- Their comments go with them: put back last.
SELECT 4, NULL, format('COMMENT ON INDEX %s IS %L', i.indexrelid::regclass, d.description)
FROM pg_index AS i
JOIN pg_description AS d ON d.objoid = i.indexrelid AND d.classoid = 'pg_class'::regclass
WHERE i.indrelid IN ('clients'::regclass, 'tickets'::regclass, 'ticket_events'::regclass,
                       'ticket_comments'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS con WHERE con.conindid = i.indexrelid)
  AND i.indexrelid <> 'ticket_events_ticket_idx'::regclass
UNION ALL
SELECT 4, NULL, format('COMMENT ON CONSTRAINT %I ON %s IS %L', con.conname, con.conrelid::regclass,
                       d.description)
FROM pg_constraint AS con
JOIN pg_description AS d ON d.objoid = con.oid AND d.classoid = 'pg_constraint'::regclass
WHERE con.conrelid IN ('clients'::regclass, 'tickets'::regclass, 'ticket_events'::regclass,
                       'ticket_comments'::regclass)
  AND con.contype IN ('f', 'u');
-- Foreign keys first, so nothing depends on what is dropped after them.
DO $$
DECLARE statement text;
BEGIN
    FOR statement IN
        SELECT drop_sql FROM demo_set_aside WHERE drop_sql IS NOT NULL ORDER BY restore_order DESC
    LOOP
        EXECUTE statement;
    END LOOP;
END
$$;

-- name: demo_restore_indexes!
-- Rebuild what demo_set_aside_indexes dropped: indexes, unique constraints, foreign keys (validated), comments.
DO $$
DECLARE statement text;
BEGIN
    FOR statement IN SELECT restore_sql FROM demo_set_aside ORDER BY restore_order LOOP
        EXECUTE statement;
    END LOOP;
END
$$;

-- name: demo_bulk_settings!
-- Memory for in-memory sorts and fast index builds during this transaction only.
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB';

-- name: demo_insert_users!
-- One admin (no display name: customers see the neutral label) and `workers` named workers, all with the same known password hash.
INSERT INTO users (email, role, display_name, password_hash, created_at, updated_at)
SELECT CASE WHEN n = 0 THEN 'admin@demo.example' ELSE 'worker' || n || '@demo.example' END,
       (CASE WHEN n = 0 THEN 'admin' ELSE 'worker' END)::user_role,
       CASE WHEN n > 0 THEN (ARRAY['Олег', 'Андрей', 'Игорь', 'Марина', 'Виктор', 'Светлана',
                                   'Tom', 'Anna'])[1 + n % 8] || ' ' || n END,
       :password_hash, now() - interval '731 days', now() - interval '731 days'
FROM generate_series(0, :workers::int) AS n
ORDER BY n;

-- name: demo_insert_clients!
-- `clients` customers with Russian and English names, unique phones, and e-mails for half of them.
WITH names AS (
    SELECT ARRAY['Иван', 'Пётр', 'Анна', 'Мария', 'Ольга', 'Сергей', 'Алексей', 'Наталья', 'Елена',
                 'Дмитрий', 'Андрей', 'Татьяна', 'Юлия', 'Николай', 'Светлана', 'Михаил', 'Ирина',
                 'Владимир', 'Екатерина', 'Павел', 'John', 'Mary', 'James', 'Linda', 'Robert',
                 'Susan', 'Michael', 'Karen', 'David', 'Emma', 'Oliver', 'Sophie'] AS first,
           ARRAY['Иванов', 'Петров', 'Смирнов', 'Кузнецов', 'Попов', 'Соколов', 'Лебедев',
                 'Козлов', 'Новиков', 'Морозов', 'Волков', 'Зайцев', 'Павлов', 'Семёнов', 'Голубев',
                 'Smith', 'Johnson', 'Brown', 'Taylor', 'Miller', 'Wilson', 'Moore', 'Clark',
                 'Walker', 'Young'] AS last
)
INSERT INTO clients (name, phone, email, created_at, updated_at)
SELECT first[1 + floor(a * cardinality(first))::int] || ' ' || last[1 + floor(b * cardinality(last))::int],
       '+7' || (9000000000 + n),
       CASE WHEN c < 0.5 THEN 'client' || n || '@example.com' END,
       now() - interval '731 days' + interval '730 days' * (n::float8 / :clients::int),
       now() - interval '731 days' + interval '730 days' * (n::float8 / :clients::int)
FROM (
    SELECT n, random() AS a, random() AS b, random() AS c FROM generate_series(1, :clients::int) AS n
) AS rows, names;

-- name: demo_insert_tickets!
-- `tickets` tickets over two years: skewed words (some common, some rare), age-driven statuses, spread assignees.
WITH words AS (
    SELECT ARRAY['стиральная машина', 'холодильник', 'посудомоечная машина', 'телевизор',
                 'ноутбук', 'микроволновка', 'пылесос', 'кондиционер', 'духовка', 'варочная панель',
                 'стиралка', 'морозильная камера', 'электроплита', 'бойлер', 'водонагреватель',
                 'кофемашина', 'смартфон', 'планшет', 'принтер', 'монитор', 'системный блок',
                 'мультиварка', 'вытяжка', 'сушильная машина', 'утюг', 'фен', 'чайник', 'блендер',
                 'газовая колонка', 'котёл', 'роутер', 'игровая приставка', 'музыкальный центр',
                 'электросамокат', 'хлебопечка', 'швейная машинка', 'проектор', 'кухонный комбайн',
                 'washing machine', 'fridge', 'dishwasher', 'TV', 'laptop', 'microwave',
                 'vacuum cleaner', 'air conditioner', 'oven', 'cooktop', 'freezer', 'boiler',
                 'water heater', 'coffee machine', 'phone', 'tablet', 'printer', 'monitor',
                 'desktop PC', 'slow cooker', 'cooker hood', 'tumble dryer', 'iron', 'hair dryer',
                 'kettle', 'blender', 'router', 'game console', 'sound system', 'e-scooter',
                 'bread maker', 'sewing machine', 'projector', 'food processor'] AS device,
           ARRAY['Не включается', 'Шумит', 'Течёт', 'Не греет', 'Не морозит', 'Не сливает воду',
                 'Искрит', 'Не отжимает', 'Гудит', 'Выбивает автомат', 'Не держит заряд',
                 'Разбит экран', 'Нет звука', 'Нет изображения', 'Перегревается', 'Пахнет гарью',
                 'Не набирает воду', 'Ошибка на дисплее', 'Вибрирует', 'Не закрывается дверца',
                 'Мигает индикатор', 'Сломалась ручка', 'Не крутится барабан', 'Не работает',
                 'Капает вода', 'Не видит Wi-Fi', 'Самопроизвольно выключается', 'Трещит',
                 'Залили водой', 'Упал и не работает', 'Не заряжается', 'Плохо охлаждает',
                 'Wont turn on', 'Noisy', 'Leaking', 'Not heating', 'Not cooling',
                 'Not draining', 'Sparking', 'Not spinning', 'Humming', 'Trips the breaker',
                 'Battery drains fast', 'Cracked screen', 'No sound', 'No picture', 'Overheating',
                 'Smells burnt', 'Error code on display', 'Vibrates badly', 'Door will not close',
                 'Blinking light', 'Broken handle', 'Drum stuck', 'Dead', 'Dripping water',
                 'Drops Wi-Fi', 'Shuts down randomly', 'Crackling', 'Water damage',
                 'Dropped and broken', 'Not charging'] AS problem,
           ARRAY['Bosch', 'Samsung', 'LG', 'Indesit', 'Ariston', 'Electrolux', 'Whirlpool',
                 'Beko', 'Atlant', 'Haier', 'Gorenje', 'Candy', 'Zanussi', 'Siemens', 'Miele',
                 'Hotpoint', 'Sharp', 'Panasonic', 'Philips', 'Sony', 'Lenovo', 'Asus', 'Acer',
                 'HP', 'Dell', 'Apple', 'Xiaomi', 'Huawei', 'Redmond', 'Polaris', 'Vitek',
                 'Scarlett', 'Tefal', 'Moulinex', 'Delonghi', 'Krups', 'Kenwood', 'Braun',
                 'Dyson', 'Thermex'] AS brand,
           ARRAY['срочно', 'на гарантии', 'после ремонта', 'после переезда', 'после грозы',
                 'повторно', 'в третий раз', 'на даче', 'в офисе', 'на кухне', 'у бабушки',
                 'дети сломали', 'кот уронил', 'при запуске', 'ночью', 'каждый день',
                 'иногда', 'с утра', 'новый', 'старый', 'б/у', 'из Германии', 'нужна консультация',
                 'нужен выезд мастера', 'заберите курьером', 'выезд за город', 'перезвоните вечером',
                 'urgent', 'under warranty', 'after repair', 'after moving', 'after a storm',
                 'again', 'third time', 'at the cottage', 'at the office', 'in the kitchen',
                 'kids broke it', 'cat knocked it over', 'on startup', 'at night', 'every day',
                 'sometimes', 'in the morning', 'brand new', 'very old', 'second-hand',
                 'imported', 'need advice', 'home visit please', 'courier pickup',
                 'out of town', 'call me in the evening', 'сервисное обслуживание',
                 'замена подшипника', 'замена ТЭНа', 'чистка', 'диагностика', 'прошивка',
                 'замена компрессора', 'заправка фреоном', 'замена насоса', 'замена платы',
                 'замена дисплея', 'замена аккумулятора', 'bearing replacement',
                 'heating element', 'cleaning', 'diagnostics', 'firmware', 'compressor',
                 'refrigerant refill', 'pump replacement', 'board replacement',
                 'display replacement', 'battery replacement', 'подшипник', 'ремень',
                 'уплотнитель', 'термостат', 'конденсатор', 'предохранитель', 'датчик',
                 'belt', 'gasket', 'thermostat', 'capacitor', 'fuse', 'sensor', 'магнетрон',
                 'инвертор', 'magnetron', 'inverter', 'турбина', 'turbine'] AS detail,
           -- Words about one ticket in 20,000 carries: what a "rare word" search finds.
           ARRAY['ксилофон', 'зебра', 'xylophone', 'zebra'] AS rare,
           ARRAY['Садовая', 'Ленина', 'Шевченко', 'Пушкина', 'Лесная', 'Мира', 'Гагарина',
                 'Baker Street', 'High Street', 'Station Road'] AS street
), shaped AS (
    SELECT rows.*,
           -- The newest tickets are still open; older ones are mostly done.
           CASE
               WHEN n > :tickets::int * 0.98 THEN
                   CASE WHEN r_status < 0.5 THEN 'new' WHEN r_status < 0.8 THEN 'in_progress'
                        WHEN r_status < 0.95 THEN 'done' ELSE 'canceled' END
               ELSE
                   CASE WHEN r_status < 0.04 THEN 'new' WHEN r_status < 0.08 THEN 'in_progress'
                        WHEN r_status < 0.92 THEN 'done' ELSE 'canceled' END
           END::ticket_status AS status,
           now() - interval '730 days' + interval '730 days' * ((n - r_jitter) / :tickets::int)
               AS created
    -- A subquery, not a CTE: volatile columns keep it a pipeline that is never materialised.
    FROM (
        SELECT n, random() AS r_device, random() AS r_problem, random() AS r_brand,
               random() AS r_detail, random() AS r_status, random() AS r_worker,
               random() AS r_client, random() AS r_assign, random() AS r_jitter
        FROM generate_series(1, :tickets::int) AS n
    ) AS rows
)
INSERT INTO tickets (title, description, status, client_id, assignee_id, scheduled_at,
                     tracking_token, created_at, updated_at, device_kind, device_brand,
                     device_model, device_serial, address)
SELECT
    -- Squares and cubes of a uniform number skew the choice: early words are common, late rare.
    problem[1 + floor(power(r_problem, 2) * cardinality(problem))::int] || ' '
        || device[1 + floor(power(r_device, 2) * cardinality(device))::int] || ' '
        || brand[1 + floor(r_brand * cardinality(brand))::int]
        || CASE WHEN r_detail < 0.0002
                THEN ', ' || rare[1 + floor(r_detail / 0.0002 * cardinality(rare))::int]
                WHEN r_detail < 0.3
                THEN ', ' || detail[1 + floor(power(r_detail / 0.3, 2) * cardinality(detail))::int]
                ELSE '' END,
    CASE WHEN r_detail > 0.6 THEN 'Клиент просит позвонить заранее. Customer asks to call first.' END,
    status,
    1 + floor(r_client * :clients::int)::bigint,
    CASE WHEN status = 'new' AND r_assign < 0.5 THEN NULL
         ELSE 2 + floor(r_worker * :workers::int)::bigint END,
    CASE WHEN status IN ('new', 'in_progress') THEN created + interval '2 days' END,
    md5(n || ':' || random()),
    created,
    created + CASE WHEN status = 'new' THEN interval '0' ELSE interval '3 days' * r_jitter END,
    -- The device the title names; a model and (four in five) a serial like those on stickers.
    device[1 + floor(power(r_device, 2) * cardinality(device))::int],
    brand[1 + floor(r_brand * cardinality(brand))::int],
    upper(substr(md5(n::text), 1, 2)) || (100 + n % 900),
    CASE WHEN n % 5 <> 0
         THEN 'SN-' || upper(substr(md5(n || ':serial'), 1, 4)) || ' ' || (10000000 + n) END,
    CASE WHEN r_jitter < 0.5
         THEN 'г. Киев, ул. ' || street[1 + n % cardinality(street)] || ', д. ' || (1 + n % 120)
              || ', кв. ' || (1 + n % 300) END
FROM shaped, words;

-- name: demo_insert_comments!
-- One to five comments per ticket (about three): internal notes, public replies and the customer's answers, in time order.
WITH texts AS (
    SELECT ARRAY['Похоже на ТЭН, возьму запасной.', 'Клиент постоянный, скидка 10%.',
                 'Нужна деталь под заказ, срок неделя.', 'Проверить подшипник барабана.',
                 'Plug was loose; check the socket next time.', 'Ordered a new board.'] AS internal,
           ARRAY['Мастер приедет завтра с 10 до 12.', 'Деталь заказана, ждём поставку.',
                 'Ремонт завершён, можно забирать.', 'Стоимость ремонта 1500 грн.',
                 'The technician will call you an hour before.'] AS staff,
           ARRAY['Хорошо, буду дома.', 'Спасибо!', 'Можно перенести на вечер?',
                 'Сколько это будет стоить?', 'Thanks, see you then.'] AS customer
), written AS (
    SELECT t.id AS ticket_id, t.assignee_id, k, random() AS r_kind, random() AS r_text,
           least(now(), t.created_at + interval '2 hours' * k) AS at
    FROM tickets AS t
    -- "+ 0 * t.id" ties the count to the row, so random() is drawn once per ticket.
    CROSS JOIN LATERAL generate_series(1, 1 + floor(random() * 5)::int + 0 * t.id::int) AS k
)
INSERT INTO ticket_comments (ticket_id, author_id, visibility, body, created_at)
SELECT ticket_id,
       CASE WHEN r_kind < 0.7 THEN coalesce(assignee_id, 1) END,
       (CASE WHEN r_kind < 0.35 THEN 'internal' ELSE 'public' END)::comment_visibility,
       CASE WHEN r_kind < 0.35 THEN internal[1 + floor(r_text * cardinality(internal))::int]
            WHEN r_kind < 0.7 THEN staff[1 + floor(r_text * cardinality(staff))::int]
            ELSE customer[1 + floor(r_text * cardinality(customer))::int] END,
       at
FROM written, texts
ORDER BY at, ticket_id, k;

-- name: demo_insert_events!
-- The history each ticket's state implies (created, assigned, started, finished or canceled), and one row per comment.
INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status, to_status, from_assignee_id,
                           to_assignee_id, comment_id, changes, created_at)
SELECT ticket_id, actor_id, kind, from_status, to_status, NULL, to_assignee_id, comment_id,
       changes, at
FROM (
SELECT t.id AS ticket_id, e.actor_id, e.kind::ticket_event_kind AS kind,
       e.from_status::ticket_status AS from_status, e.to_status::ticket_status AS to_status,
       e.to_assignee_id, NULL::bigint AS comment_id, NULL::jsonb AS changes, e.at, e.step
FROM tickets AS t
CROSS JOIN LATERAL (
    VALUES
        (1, true, NULL::bigint, 'created', NULL, 'new', NULL::bigint, t.created_at),
        -- A quarter of the way to the last change (at creation for a new ticket): always
        -- before work starts and before the close, whose credit goes to this assignment.
        (2, t.assignee_id IS NOT NULL, 1::bigint, 'assigned', NULL, NULL, t.assignee_id,
         t.created_at + (t.updated_at - t.created_at) / 4),
        (3, t.status IN ('in_progress', 'done'), t.assignee_id, 'status_changed', 'new',
         'in_progress', NULL, t.created_at + (t.updated_at - t.created_at) / 2),
        (4, t.status = 'done', t.assignee_id, 'status_changed', 'in_progress', 'done', NULL,
         t.updated_at),
        (5, t.status = 'canceled', 1::bigint, 'status_changed', 'new', 'canceled', NULL,
         t.updated_at)
) AS e(step, applies, actor_id, kind, from_status, to_status, to_assignee_id, at)
WHERE e.applies
UNION ALL
SELECT c.ticket_id, c.author_id, 'commented', NULL, NULL, NULL, c.id,
       jsonb_build_object('visibility', c.visibility), c.created_at, 6
FROM ticket_comments AS c
) AS history
ORDER BY at, ticket_id, step;

-- name: demo_vacuum!
-- Fresh statistics and visibility maps, so plans and index-only scans are those of a settled shop.
VACUUM (ANALYZE) users, clients, tickets, ticket_events, ticket_comments;
