import * as units from '@grafana/grafana-foundation-sdk/units'
import type { DashboardText } from './dashboard-text.ts'

/** The dashboards in Bulgarian: the default set, for the facility managers in Pernik. */
export const bg: DashboardText = {
  languageName: 'Български',
  folder: 'АЕД флот',
  dashboardsLink: 'Табла за АЕД',
  openCabinet: 'Отвори шкаф ${__value.raw}',
  allCabinets: 'Всички',

  units: {
    // Grafana would write "30 day" and "6 hour": a Bulgarian suffix reads right.
    days: 'suffix: дни',
    hours: 'suffix: ч',
    // A plain suffix would not scale seconds to minutes and hours; hh:mm:ss needs no words.
    duration: units.DurationInHoursMinutesSeconds
  },

  values: {
    readiness: {
      ready: 'Готов',
      in_use: 'В употреба',
      maintenance: 'Поддръжка',
      unknown: 'Неизвестно',
      offline: 'Без връзка',
      not_ready: 'Не е готов'
    },
    door: { open: 'Отворена', closed: 'Затворена', unknown: 'Неизвестно' },
    selftestResult: { pass: 'Успешна', fail: 'Неуспешна', none: 'Още няма' },
    selftestKind: { daily: 'Ежедневна', weekly: 'Седмична', monthly: 'Месечна', manual: 'Ръчна' },
    cabinetStatus: { active: 'Активен', planned: 'Планиран', retired: 'Изведен от употреба' },
    alertKind: {
      door_open: 'Отворена врата',
      post_use_inspection: 'Преглед след употреба',
      selftest_failed: 'Неуспешна самопроверка',
      selftest_overdue: 'Закъсняла самопроверка',
      battery_low: 'Ниска батерия',
      battery_critical: 'Изтощена батерия',
      battery_expiring: 'Изтичаща батерия',
      battery_expired: 'Изтекла батерия',
      pads_expiring: 'Изтичащи електроди',
      pads_expired: 'Изтекли електроди',
      offline: 'Без връзка',
      temperature_out_of_range: 'Температура извън норма',
      clock_skew: 'Грешен часовник'
    },
    severity: { critical: 'Критична', warning: 'Предупреждение', info: 'Информация' },
    alertStatus: { open: 'Отворена', acknowledged: 'Потвърдена', resolved: 'Решена' },
    channel: { sms: 'SMS', email: 'Имейл' },
    outcome: { sent: 'изпратени', failed: 'неуспешни' }
  },

  columns: {
    cabinet: 'Шкаф',
    readiness: 'Готовност',
    why: 'Причина',
    lastSeen: 'Последна връзка',
    battery: 'Батерия',
    padsExpireIn: 'Електродите изтичат след',
    batteryExpiresIn: 'Батерията изтича след',
    selftest: 'Самопроверка',
    selftestAge: 'Давност на самопроверката',
    lastSelftest: 'Последна самопроверка',
    temperature: 'Температура',
    door: 'Врата',
    site: 'Обект',
    location: 'Място',
    status: 'Статус',
    when: 'Кога',
    lastChange: 'Последна промяна',
    alert: 'Тревога',
    severity: 'Важност',
    event: 'Събитие',
    by: 'От',
    acknowledgedBy: 'Потвърдена от',
    acknowledgedAfter: 'Потвърдена след',
    after: 'След',
    message: 'Съобщение',
    alertId: 'Номер на тревогата',
    result: 'Резултат',
    kind: 'Вид',
    faultCodes: 'Кодове на грешки',
    faults: 'Грешки',
    person: 'Лице',
    alertsAcknowledged: 'Потвърдени тревоги',
    meanTime: 'Средно време',
    longest: 'Най-дълго',
    channel: 'Канал',
    recipient: 'Получател',
    attempt: 'Опит',
    error: 'Грешка'
  },

  fleetOverview: {
    title: 'Готовност на АЕД',
    description: 'Готовността на всеки шкаф с АЕД в момента, какво трябва да се направи и отворените тревоги.',
    rows: { now: 'В момента', whereAndOpen: 'Къде са и какво е отворено' },
    ready: { title: 'Готови', description: 'Активни шкафове, чийто АЕД е готов за спасяване в момента.' },
    notReady: {
      title: 'Не са готови',
      description: 'Активни шкафове с неуспешна самопроверка, изтекъл или изтощен консуматив или температура извън норма. Вижте „Причина“ в таблицата.'
    },
    inUse: { title: 'В употреба', description: 'Активни шкафове с отворена врата: АЕД може да е на път към пациент.' },
    offline: { title: 'Без връзка', description: 'Активни шкафове, които спряха да изпращат данни.' },
    planned: { title: 'Планирани', description: 'Шкафове, вписани във файла на флота, но още не монтирани.' },
    cabinets: {
      title: 'Шкафове',
      description: 'По един ред за всеки шкаф, от последното му състояние на готовност. Щракнете върху шкаф за историята му.'
    },
    map: { title: 'Карта', description: 'Шкафовете по измерените им координати, оцветени според готовността.', layer: 'Шкафове' },
    openAlerts: {
      title: 'Отворени тревоги',
      description: 'Тревоги, които още не са решени, с най-новата промяна първа. „Потвърдена“ означава, че някой я е поел; тя остава тук, докато шкафът отново е готов.',
      empty: 'Няма отворени тревоги'
    }
  },

  cabinetDetail: {
    title: 'Шкаф с АЕД',
    description: 'Един шкаф в подробности: готовност, врата, батерия, температура, самопроверки и тревоги.',
    rows: { now: 'В момента', overTime: 'Във времето', records: 'Записи' },
    alertAnnotations: 'Тревоги',
    readiness: { title: 'Готовност', description: 'Заключението на монитора от последното състояние и защо шкафът не е готов.' },
    consumables: {
      title: 'Консумативи и проверки',
      description: 'Заряд на батерията, дни до изтичането на електродите и батерията, време от последната самопроверка и от последната връзка с шкафа.'
    },
    readinessOverTime: {
      title: 'Готовност във времето',
      description: 'Кога шкафът е бил готов, в употреба, неготов или без връзка: колко дълго е траяла една повреда, докато бъде отстранена.'
    },
    door: {
      title: 'Врата',
      description: 'Отваряния и затваряния, както ги е съобщил шкафът. Врата, която не е помръднала в периода, няма лента; текущото ѝ състояние е в прегледа на флота.'
    },
    battery: { title: 'Батерия', description: 'Зарядът на батерията на АЕД; бърз спад означава батерия за смяна преди срока ѝ.' },
    temperature: {
      title: 'Температура',
      description: (minC, maxC) => `Вътре в шкафа, от периодичните му съобщения. Зелената ивица е допустимият диапазон (от ${minC} до ${maxC} °C); извън него страдат батерията и електродите на АЕД.`
    },
    selftests: {
      title: 'Самопроверки',
      description: 'Всеки резултат от самопроверка, съобщен от АЕД, най-новият първи, с кодовете на грешките.',
      empty: 'Няма самопроверка в този период'
    },
    alertHistory: {
      title: 'История на тревогите',
      description: 'Всяко събитие на тревога за този шкаф: отворена, потвърдена (от кого и колко бързо) и решена.',
      empty: 'Няма тревоги в този период'
    }
  },

  alertsResponse: {
    title: 'Тревоги и реакция',
    description: 'Тревогите във времето, колко бързо хората ги потвърждават и дали известията стигат до тях.',
    rows: { alerts: 'Тревоги', response: 'Реакция', notifications: 'Известия' },
    alertsOpened: { title: 'Възникнали тревоги', description: 'Тревоги, възникнали в избрания период.' },
    acknowledged: { title: 'Потвърдени', description: 'Тревоги, които някой е поел в избрания период.' },
    medianTimeToAcknowledge: { title: 'Медианно време до потвърждение', description: 'От възникването на тревогата до потвърждаването ѝ от човек.' },
    failedNotifications: {
      title: 'Неуспешни известия',
      description: 'SMS и имейли, които доставчикът е отказал или които не са изпратени навреме. Всеки неуспех се опитва отново; ако броят расте, проверете получателите и достъпа до доставчика.'
    },
    alertsByKind: {
      title: 'Възникнали тревоги по вид',
      description: 'Кои проблеми се повтарят: шкаф, който губи връзка всяка нощ, сочи към захранването си.'
    },
    timeToAcknowledgeByKind: { title: 'Средно време до потвърждение по вид', description: 'Кои тревоги хората поемат бавно.' },
    acknowledgements: {
      title: 'Потвърждения',
      description: 'Кой коя тревога е потвърдил и колко време след възникването ѝ.',
      empty: 'Няма потвърждения в този период'
    },
    acknowledgedByPerson: {
      title: 'Потвърждения по лица',
      description: 'Колко тревоги е поело всяко лице и колко бързо средно.',
      empty: 'Няма потвърждения в този период'
    },
    notificationsOverTime: { title: 'Известия по канал и резултат', description: 'Изпратени и неуспешни SMS и имейли във времето.' },
    notificationTotals: { title: 'Изпратени и неуспешни по канал', description: 'Изпратени и неуспешни SMS и имейли в избрания период.' },
    failedAttempts: {
      title: 'Неуспешни опити',
      description: 'Всеки неуспешен опит с грешката от доставчика.',
      empty: 'Няма неуспешни известия в този период'
    }
  }
}
